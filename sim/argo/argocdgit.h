// Git for the simulated Argo CD (libgit2): a local mirror of an application's repository, the
// manifests under a path at a revision, commit metadata, and the demo repository built from a scenario.
#pragma once

#include "common/simjson.h"

#include <mutex>
#include <optional>
#include <string>
#include <vector>

struct git_repository;

namespace pilothouse::sim {

// libgit2's process-wide state: one instance in main, before any thread uses git.
class GitLibrary {
public:
    GitLibrary();
    ~GitLibrary();
    GitLibrary(const GitLibrary &) = delete;
    GitLibrary &operator=(const GitLibrary &) = delete;
};

struct GitCommitInfo {
    std::string sha;
    std::string author;   // "Name <email>", as Argo CD's revision metadata shows it
    std::string date;     // RFC 3339
    std::string message;
    std::vector<std::string> tags;
};

// Where a service's image is in a manifests repository: the file and the image (repository:tag).
struct GitImageRef {
    std::string path;
    std::string image;
};

// A new image tag committed to a manifests repository by a CI bot, and what came of it.
struct GitImageCommit {
    std::string service, ns, tag;
    std::string message, authorName, authorEmail;
    std::string branch = "main";
};
struct GitImageCommitResult {
    bool found = false;      // the repository has a manifest with the service's image
    bool committed = false;  // false with `found` when the manifest already had the tag
    std::string path, oldImage, newImage;
    std::string sha, parentSha;  // the commit pushed and the branch's head before it
};

// A bare mirror of one remote repository (git://, file paths, anything libgit2 fetches), kept in
// a cache folder. Every call locks: libgit2 objects must not be used from two threads at once.
class GitMirror {
public:
    GitMirror(std::string url, std::string cacheDir);
    ~GitMirror();
    GitMirror(const GitMirror &) = delete;
    GitMirror &operator=(const GitMirror &) = delete;

    const std::string &url() const { return m_url; }
    // Fetches every branch, tag and the remote's HEAD. False with `error` (libgit2's message) on failure.
    bool fetch(std::string &error);
    bool fetched() const;
    // A targetRevision (HEAD or empty, a branch, a tag, a full or abbreviated sha) to a commit sha.
    std::optional<std::string> resolve(const std::string &revision, std::string &error);
    // The Kubernetes objects of the *.yaml, *.yml and *.json files directly under `dir` at commit
    // `sha` (multi-document YAML; Argo CD's directory source is not recursive by default).
    bool readManifests(const std::string &sha, const std::string &dir, std::vector<Json> &out, std::string &error);
    // The names of the folders directly under `dir` at commit `sha`.
    bool listDirectories(const std::string &sha, const std::string &dir, std::vector<std::string> &out, std::string &error);
    std::optional<GitCommitInfo> commitInfo(const std::string &revision, std::string &error);
    // The first-parent commits from `sha` back that changed anything under `dir`, newest first, at
    // most `max`: (sha, commit time in seconds since the epoch).
    std::vector<std::pair<std::string, long long>> commitsTouching(const std::string &sha, const std::string &dir, size_t max,
                                                                   std::string &error);
    // The first image of a container named by `service` (the image's last path segment before the
    // tag) in an object of namespace `ns` under apps/ at the head of `branch`; nullopt when there is
    // none or the repository cannot be read (then `error` is set). Reads what is fetched; call fetch first.
    std::optional<GitImageRef> findImage(const std::string &service, const std::string &ns, const std::string &branch, std::string &error);
    // Fetches, sets the service's image tag in its manifest (the file's text otherwise unchanged),
    // commits on `branch` and pushes it; a push refused because the branch moved is retried on the
    // new head. False with `error` on failure; true with result.found false when there is no manifest.
    bool commitImageTag(const GitImageCommit &change, GitImageCommitResult &result, std::string &error);

private:
    bool openLocked(std::string &error);
    bool fetchLocked(std::string &error);
    std::optional<GitImageRef> findImageLocked(const std::string &service, const std::string &ns, const std::string &sha, std::string &error);
    std::optional<std::string> resolveLocked(const std::string &revision, std::string &error);

    std::string m_url;
    std::string m_dir;
    mutable std::mutex m_mutex;
    git_repository *m_repo = nullptr;
    bool m_fetched = false;
};

// The last libgit2 error of this thread as text.
std::string lastGitError(int code);

// Writes a bare repository at `dir` (branch main) from the scenario objects annotated
// pilothouse.dev/gitops-app: NAME, one file per object under apps/NAME/, with a short history
// (the apps one release back, then one release commit per app); `pendingRelease` adds a last
// commit bumping storefront (or the first app with a numeric image tag) one release further.
// Returns false with `error` set on failure.
bool writeDemoRepository(const std::string &dir, const std::vector<Json> &scenario, bool pendingRelease, std::string &error);

// The YAML text of a JSON object (block style; strings that would read back as numbers, booleans
// or null are quoted).
std::string jsonToYaml(const Json &value);

}  // namespace pilothouse::sim
