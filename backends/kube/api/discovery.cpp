// Legacy (per group-version) discovery: works on every API server version.
#include "kube/api/discovery.h"
#include "core/errors.h"

#include <nlohmann/json.hpp>

#include <memory>

namespace pilothouse::backends::kube {

namespace {

QStringList strings(const nlohmann::json &arr)
{
    QStringList out;
    if (arr.is_array())
        for (const auto &v : arr)
            if (v.is_string())
                out << QString::fromStdString(v.get<std::string>());
    return out;
}

}  // namespace

std::optional<DiscoveredResource> DiscoveryResult::find(const QString &group, const QString &plural) const
{
    for (const auto &r : resources)
        if (r.ref.group == group && r.ref.plural == plural)
            return r;
    return std::nullopt;
}

bool DiscoveryResult::hasGroup(const QString &group) const
{
    for (const auto &r : resources)
        if (r.ref.group == group)
            return true;
    return false;
}

Result<std::vector<DiscoveredResource>> parseResourceList(const QByteArray &json)
{
    nlohmann::json doc = nlohmann::json::parse(json.constData(), json.constData() + json.size(), nullptr, false);
    if (doc.is_discarded() || !doc.is_object() || !doc.contains("resources") || !doc["resources"].is_array())
        return Result<std::vector<DiscoveredResource>>::failure(malformedError(QStringLiteral("a discovery answer is not an APIResourceList")));
    QString gv = QString::fromStdString(doc.value("groupVersion", ""));
    QString group = gv.contains(QLatin1Char('/')) ? gv.section(QLatin1Char('/'), 0, 0) : QString();
    QString version = gv.section(QLatin1Char('/'), -1);
    std::vector<DiscoveredResource> out;
    for (const auto &r : doc["resources"]) {
        if (!r.is_object())
            continue;
        QString name = QString::fromStdString(r.value("name", ""));
        if (name.isEmpty())
            continue;
        if (name.contains(QLatin1Char('/'))) {
            const QString parent = name.section(QLatin1Char('/'), 0, 0);
            for (auto &d : out)
                if (d.ref.plural == parent)
                    d.subresources << name.section(QLatin1Char('/'), 1);
            continue;
        }
        DiscoveredResource d;
        d.ref = {group, version, name, QString::fromStdString(r.value("kind", "")), r.value("namespaced", false)};
        d.verbs = strings(r.value("verbs", nlohmann::json::array()));
        d.shortNames = strings(r.value("shortNames", nlohmann::json::array()));
        out.push_back(std::move(d));
    }
    return out;
}

Result<QStringList> parsePreferredVersions(const QByteArray &json)
{
    nlohmann::json doc = nlohmann::json::parse(json.constData(), json.constData() + json.size(), nullptr, false);
    if (doc.is_discarded() || !doc.is_object() || !doc.contains("groups") || !doc["groups"].is_array())
        return Result<QStringList>::failure(malformedError(QStringLiteral("/apis did not answer an APIGroupList")));
    QStringList out;
    for (const auto &g : doc["groups"]) {
        std::string gv = g.value("preferredVersion", nlohmann::json::object()).value("groupVersion", "");
        if (gv.empty() && g.contains("versions") && g["versions"].is_array() && !g["versions"].empty())
            gv = g["versions"][0].value("groupVersion", "");
        if (!gv.empty())
            out << QString::fromStdString(gv);
    }
    return out;
}

void discover(KubeClient *client, QObject *receiver, std::function<void(const Result<DiscoveryResult> &)> done)
{
    struct State {
        DiscoveryResult result;
        int pending = 0;
        bool failed = false;
    };
    auto state = std::make_shared<State>();
    auto finishOne = [state, done] {
        if (--state->pending == 0 && !state->failed)
            done(state->result);
    };
    auto addList = [state](const KubeReply &reply, const QString &gv) {
        auto parsed = reply.ok() ? parseResourceList(reply.body) : Result<std::vector<DiscoveredResource>>::failure(reply.error);
        if (!parsed.ok()) {
            state->result.failedGroups << gv;  // partial discovery, as kubectl tolerates
            return;
        }
        for (auto &r : parsed.value())
            state->result.resources.push_back(std::move(r));
    };
    state->pending = 2;
    client->request("GET", QStringLiteral("/api/v1"), {}, {}, receiver, [state, addList, finishOne, done](const KubeReply &reply) {
        if (!reply.ok() && !state->failed) {
            // Without the core group there is no usable cluster: report why (401, TLS, ...).
            state->failed = true;
            done(Result<DiscoveryResult>::failure(reply.error));
            return;
        }
        addList(reply, QStringLiteral("v1"));
        finishOne();
    });
    client->request("GET", QStringLiteral("/apis"), {}, {}, receiver, [client, receiver, state, addList, finishOne](const KubeReply &reply) {
        auto versions = reply.ok() ? parsePreferredVersions(reply.body) : Result<QStringList>::failure(reply.error);
        if (!versions.ok()) {
            state->result.failedGroups << QStringLiteral("/apis");
            finishOne();
            return;
        }
        for (const QString &gv : versions.value()) {
            ++state->pending;
            client->request("GET", QStringLiteral("/apis/") + gv, {}, {}, receiver, [gv, addList, finishOne](const KubeReply &r) {
                addList(r, gv);
                finishOne();
            });
        }
        finishOne();
    });
}

}  // namespace pilothouse::backends::kube
