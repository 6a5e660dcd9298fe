// Container logs generated on demand from a seed per second and the pod's load history.
#include "telemetry/podlogs.h"

#include "kube/quantity.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>

namespace pilothouse::sim {

namespace {

constexpr long long kNanos = 1'000'000'000;
constexpr long long kMillis = 1'000'000;

long long floorSecond(long long nanos) { return nanos >= 0 ? nanos / kNanos : -((-nanos + kNanos - 1) / kNanos); }

std::uint64_t fnv64(const std::string &s)
{
    std::uint64_t h = 1469598103934665603ull;
    for (unsigned char c : s) {
        h ^= c;
        h *= 1099511628211ull;
    }
    return h;
}

// splitmix64: small, fast, and the same sequence for the same seed on every platform.
class Rng {
public:
    explicit Rng(std::uint64_t seed) : m_state(seed) {}
    std::uint64_t next()
    {
        std::uint64_t z = (m_state += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return z ^ (z >> 31);
    }
    double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
    size_t below(size_t n) { return n ? static_cast<size_t>(next() % n) : 0; }
    double normal()
    {
        double u1 = std::max(uniform(), 1e-12), u2 = uniform();
        return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
    }

private:
    std::uint64_t m_state;
};

struct Route {
    const char *method;
    const char *path;
    int weight;
    double baseMs;
};

struct Profile {
    std::vector<const char *> keywords;
    std::vector<Route> routes;
};

// Request mixes by the kind of service, recognised by its name.
const std::vector<Profile> &profiles()
{
    static const std::vector<Profile> all = {
        {{"frontend", "web", "kiosk", "ui"},
         {{"GET", "/", 20, 18}, {"GET", "/product/{product}", 30, 24}, {"GET", "/cart", 12, 15}, {"POST", "/cart", 8, 22},
          {"POST", "/cart/checkout", 3, 60}, {"POST", "/setCurrency", 2, 6}, {"GET", "/static/{asset}", 25, 2}}},
        {{"gateway", "ingress", "proxy"},
         {{"GET", "/api/v1/orders/{id}", 20, 14}, {"POST", "/api/v1/orders", 10, 35}, {"GET", "/api/v1/menu", 30, 8},
          {"GET", "/api/v1/stock/{sku}", 15, 9}}},
        {{"cart"}, {{"GET", "/cart/{user}", 50, 4}, {"POST", "/cart/{user}/items", 30, 6}, {"DELETE", "/cart/{user}", 5, 5}}},
        {{"catalog", "product"}, {{"GET", "/products", 30, 9}, {"GET", "/products/{product}", 55, 3}, {"GET", "/products/search?q={query}", 15, 14}}},
        {{"checkout"}, {{"POST", "/checkout", 1, 85}}},
        {{"order"}, {{"POST", "/orders", 40, 30}, {"GET", "/orders/{id}", 50, 7}, {"PATCH", "/orders/{id}", 10, 12}}},
        {{"inventory", "stock"}, {{"GET", "/stock/{sku}", 60, 4}, {"POST", "/stock/reserve", 30, 11}, {"POST", "/stock/release", 10, 9}}},
        {{"payment"}, {{"POST", "/charge", 1, 120}}},
        {{"currency"}, {{"GET", "/currencies", 30, 2}, {"POST", "/convert", 70, 3}}},
        {{"shipping"}, {{"POST", "/quote", 70, 6}, {"POST", "/ship", 30, 25}}},
        {{"email", "notification", "notify"}, {{"POST", "/send", 1, 40}}},
        {{"recommend"}, {{"GET", "/recommendations?product={product}", 1, 16}}},
        {{"ad"}, {{"GET", "/ads?context={query}", 1, 5}}},
        {{"beverage", "coffee", "brew"}, {{"POST", "/brew", 40, 45}, {"GET", "/menu", 60, 3}}},
        {{"redis", "cache"}, {{"GET", "/ping", 1, 1}}},
    };
    return all;
}

const std::vector<Route> &routesFor(const std::string &app)
{
    for (const auto &p : profiles())
        for (const char *k : p.keywords)
            if (app.find(k) != std::string::npos)
                return p.routes;
    static const std::vector<Route> generic = {{"GET", "/api/items", 45, 8}, {"GET", "/api/items/{id}", 35, 4}, {"POST", "/api/items", 20, 15}};
    return generic;
}

std::string fillPath(const char *pattern, Rng &rng)
{
    static const char *assets[] = {"styles.css", "app.js", "logo.svg", "favicon.ico", "hero.webp"};
    static const char *queries[] = {"mug", "sunglasses", "watch", "espresso", "kitchen", "tank-top", "loafers"};
    static const char *alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    std::string out;
    for (const char *p = pattern; *p;) {
        if (*p != '{') {
            out.push_back(*p++);
            continue;
        }
        const char *end = p;
        while (*end && *end != '}')
            ++end;
        std::string name(p + 1, end);
        p = *end ? end + 1 : end;
        char buf[32];
        if (name == "product") {
            for (int i = 0; i < 10; ++i)
                out.push_back(alnum[rng.below(36)]);
        } else if (name == "id") {
            std::snprintf(buf, sizeof buf, "%llu", static_cast<unsigned long long>(100000 + rng.below(900000)));
            out += buf;
        } else if (name == "user") {
            std::snprintf(buf, sizeof buf, "%08llx", static_cast<unsigned long long>(rng.next() & 0xffffffffull));
            out += buf;
        } else if (name == "sku") {
            std::snprintf(buf, sizeof buf, "SKU-%05llu", static_cast<unsigned long long>(rng.below(100000)));
            out += buf;
        } else if (name == "asset") {
            out += assets[rng.below(std::size(assets))];
        } else if (name == "query") {
            out += queries[rng.below(std::size(queries))];
        }
    }
    return out;
}

// "LEVEL message": the time is the runtime's (timestamps=true), as for most twelve-factor services.
LogLine line(long long at, const char *level, const std::string &message)
{
    std::string text = level;
    text.append(level[4] ? 1 : 2, ' ');  // levels padded to five columns
    text += message;
    return {at, std::move(text)};
}

long long nanosOf(const std::string &rfc3339)
{
    if (rfc3339.empty())
        return ContainerLogSpec::kNever;
    auto tp = parseRfc3339(rfc3339);
    if (tp.time_since_epoch().count() == 0)
        return ContainerLogSpec::kNever;
    return std::chrono::duration_cast<std::chrono::nanoseconds>(tp.time_since_epoch()).count();
}

}  // namespace

std::string rfc3339Nano(long long nanos)
{
    const long long s = floorSecond(nanos);
    long long frac = nanos - s * kNanos;
    std::time_t t = static_cast<std::time_t>(s);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[40];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    std::string out = buf;
    if (frac) {
        char digits[16];
        std::snprintf(digits, sizeof digits, ".%09lld", frac);
        std::string f = digits;
        while (f.back() == '0')
            f.pop_back();
        out += f;
    }
    return out + "Z";
}

ContainerLog::ContainerLog(ContainerLogSpec spec) : m_spec(std::move(spec)), m_seed(fnv64(m_spec.seed)) {}

long long ContainerLog::lastPossibleLine() const
{
    if (m_spec.finishedAt != ContainerLogSpec::kNever)
        return m_spec.finishedAt;
    if (m_spec.stoppingAt != ContainerLogSpec::kNever)
        return m_spec.stoppingAt + kShutdownNanos;
    return ContainerLogSpec::kNever;
}

void ContainerLog::second(long long s, std::vector<LogLine> &out) const
{
    const ContainerLogSpec &c = m_spec;
    const long long begin = s * kNanos;
    const long long startSecond = floorSecond(c.startedAt);
    const long long last = lastPossibleLine();
    if (s < startSecond || (last != ContainerLogSpec::kNever && begin > last))
        return;
    const size_t first = out.size();
    // One stream per kind of line, so that what one kind draws never shifts another: a second
    // reads the same before and after the pod learns it is stopping.
    auto stream = [&](std::uint64_t kind) { return Rng(m_seed ^ (static_cast<std::uint64_t>(s) * 0x9e3779b97f4a7c15ull) ^ (kind << 56)); };
    // Serving: from readiness until SIGTERM.
    auto serving = [&](long long at) {
        return c.readyAt != ContainerLogSpec::kNever && at >= c.readyAt &&
               (c.stoppingAt == ContainerLogSpec::kNever || at < c.stoppingAt);
    };
    auto running = [&](long long at) { return c.stoppingAt == ContainerLogSpec::kNever || at < c.stoppingAt; };
    auto dependency = [&](Rng &r) { return c.dependencies.empty() ? std::string("database:5432") : c.dependencies[r.below(c.dependencies.size())]; };

    if (s == startSecond) {
        long long at = c.startedAt + 3 * kMillis;
        out.push_back(line(at, "INFO", "starting " + c.app + (c.version.empty() ? "" : " " + c.version) + " (" + c.image + ")"));
        out.push_back(line(at + 6 * kMillis, "INFO", "loaded configuration from the environment"));
        at += 20 * kMillis;
        for (size_t i = 0; i < c.dependencies.size() && i < 8; ++i, at += 7 * kMillis)
            out.push_back(line(at, "INFO", "connecting to " + c.dependencies[i]));
        out.push_back(line(c.startedAt + 180 * kMillis, "INFO", "listening on :" + std::to_string(c.port)));
    }

    // Health checks: the kubelet's probes at their periods, else a load balancer's every 5 s.
    std::vector<ContainerLogSpec::Probe> probes = c.probes;
    const bool kubelet = !probes.empty();
    if (probes.empty())
        probes.push_back({"/healthz", 5, 0});
    Rng probeRng = stream(1);
    for (size_t i = 0; i < probes.size(); ++i) {
        const auto &p = probes[i];
        const long long ms = static_cast<long long>(probeRng.below(3));
        const long long period = std::max(1LL, p.periodSeconds);
        const long long since = s - startSecond - std::max(0LL, p.initialDelaySeconds);
        if (since < 1 || since % period != 0)
            continue;
        long long at = begin + static_cast<long long>((m_seed >> (8 * i)) % 997) * kMillis;
        if (!running(at))
            continue;
        char msg[200];
        std::snprintf(msg, sizeof msg, "GET %s 200 %lldms %s", p.path.c_str(), ms,
                      kubelet ? "kube-probe/1.30" : "health-check");
        out.push_back(line(at, "INFO", msg));
    }

    // Access lines: as many as requests arrived in this second, give or take.
    const double rate = LoadModel::rateAt(c.rates, s);
    const bool servesInThisSecond = c.readyAt != ContainerLogSpec::kNever && c.readyAt < begin + kNanos &&
                                    (c.stoppingAt == ContainerLogSpec::kNever || c.stoppingAt > begin);
    if (rate > 0 && servesInThisSecond) {
        Rng rng = stream(2);
        const double utilization = c.cpuRequestMillis > 0 ? (rate * c.cpuPerRequestMillis + LoadModel::kBaseCpuMillis) / c.cpuRequestMillis : 0.5;
        const double slowdown = utilization > 0.9 ? 1.0 + (utilization - 0.9) * 4.0 : 1.0;
        const double serverErrors = 0.003 + std::max(0.0, utilization - 1.0) * 0.05;
        const double expected = rate * (0.85 + 0.3 * rng.uniform());
        long long n = static_cast<long long>(expected);
        if (rng.uniform() < expected - static_cast<double>(n))
            ++n;
        const auto &routes = routesFor(c.app);
        int totalWeight = 0;
        for (const auto &r : routes)
            totalWeight += r.weight;
        for (long long i = 0; i < n; ++i) {
            long long at = begin + static_cast<long long>(rng.uniform() * static_cast<double>(kNanos));
            int pick = static_cast<int>(rng.below(static_cast<size_t>(totalWeight)));
            const Route *route = &routes.front();
            for (const auto &r : routes) {
                if (pick < r.weight) {
                    route = &r;
                    break;
                }
                pick -= r.weight;
            }
            std::string path = fillPath(route->path, rng);
            double ms = route->baseMs * std::exp(0.45 * rng.normal()) * slowdown;
            const double roll = rng.uniform(), timeoutRoll = rng.uniform(), timeoutMs = 1000.0 + 200.0 * rng.uniform();
            const std::string upstream = dependency(rng);
            if (!serving(at))
                continue;
            char msg[512];
            if (roll < serverErrors) {
                const bool timeout = utilization > 1.0 || timeoutRoll < 0.5;
                ms = timeout ? timeoutMs : ms;
                std::snprintf(msg, sizeof msg, "%s %s %d %lldms: upstream %s: %s", route->method, path.c_str(), timeout ? 503 : 500,
                              std::llround(ms), upstream.c_str(), timeout ? "context deadline exceeded" : "connection reset by peer");
                out.push_back(line(at, "ERROR", msg));
                continue;
            }
            int status = 200;
            if (roll < serverErrors + 0.015)
                status = 404;
            else if (roll < serverErrors + 0.02)
                status = 400;
            else if (std::string(route->method) == "POST" && roll > 0.7)
                status = 201;
            std::snprintf(msg, sizeof msg, "%s %s %d %lldms", route->method, path.c_str(), status, std::max(0LL, std::llround(ms)));
            if (ms > 800) {
                out.push_back(line(at, "WARN", std::string(msg) + " (slow request)"));
                continue;
            }
            out.push_back(line(at, "INFO", msg));
        }
    }

    // Now and then something worth a warning, and a summary every minute.
    if (Rng rng = stream(3); s > startSecond && rng.uniform() < 0.002) {
        long long at = begin + static_cast<long long>(rng.uniform() * static_cast<double>(kNanos));
        const std::string dep = dependency(rng);
        const std::string messages[] = {"retrying " + dep + " (attempt 2/3): connection reset by peer",
                                        "connection pool to " + dep + " exhausted (32/32 in use), waiting",
                                        "GC pause " + std::to_string(40 + rng.below(160)) + "ms",
                                        "config reload skipped: nothing changed since the last check"};
        if (running(at))
            out.push_back(line(at, "WARN", messages[rng.below(std::size(messages))]));
    }
    if (s > startSecond && (s - startSecond) % 60 == 0 && running(begin)) {
        double requests = 0;
        for (long long t = s - 60; t < s; ++t)
            if (serving(t * kNanos + kNanos - 1))
                requests += LoadModel::rateAt(c.rates, t);
        out.push_back(line(begin + 500 * kMillis, "INFO", "stats: " + std::to_string(std::llround(requests)) + " requests in the last minute"));
    }

    if (c.stoppingAt != ContainerLogSpec::kNever) {
        if (floorSecond(c.stoppingAt + kMillis) == s)
            out.push_back(line(c.stoppingAt + kMillis, "INFO", "received SIGTERM, draining connections"));
        if (floorSecond(c.stoppingAt + kShutdownNanos) == s)
            out.push_back(line(c.stoppingAt + kShutdownNanos, "INFO", "server stopped"));
    }
    // A terminated instance's last words (an OOM kill leaves none of its own).
    if (const long long exitAt = c.finishedAt - 20 * kMillis;
        c.finishedAt != ContainerLogSpec::kNever && c.stoppingAt == ContainerLogSpec::kNever && floorSecond(exitAt) == s) {
        if (c.exitReason == "OOMKilled")
            out.push_back(line(exitAt, "WARN", "heap in use is 97% of the memory limit"));
        else if (c.exitReason == "Completed")
            out.push_back(line(exitAt, "INFO", "done, exiting"));
        else
            out.push_back(line(exitAt, "ERROR", "fatal: lost connection to " + (c.dependencies.empty() ? std::string("database:5432") : c.dependencies.front()) +
                                                    ": connection refused; exiting"));
    }

    // Only this second, only this instance's lifetime, oldest first.
    auto keep = [&](const LogLine &l) {
        return l.at >= begin && l.at < begin + kNanos && l.at >= c.startedAt && (last == ContainerLogSpec::kNever || l.at <= last);
    };
    auto firstIt = out.begin() + static_cast<long>(first);
    out.erase(std::remove_if(firstIt, out.end(), [&](const LogLine &l) { return !keep(l); }), out.end());
    std::stable_sort(out.begin() + static_cast<long>(first), out.end(), [](const LogLine &a, const LogLine &b) { return a.at < b.at; });
}

std::vector<LogLine> ContainerLog::between(long long from, long long to) const
{
    std::vector<LogLine> out;
    if (to <= from)
        return out;
    std::vector<LogLine> buffer;
    for (long long s = floorSecond(from + 1); s <= floorSecond(to); ++s) {
        buffer.clear();
        second(s, buffer);
        for (auto &l : buffer)
            if (l.at > from && l.at <= to)
                out.push_back(std::move(l));
    }
    return out;
}

std::vector<LogLine> ContainerLog::tail(long long to, size_t limit, long long notBefore) const
{
    limit = std::min(limit, kRetainedLines);
    std::vector<std::vector<LogLine>> seconds;  // newest first
    size_t count = 0;
    const long long stop = std::max(floorSecond(m_spec.startedAt), floorSecond(std::max(0LL, notBefore)));
    for (long long s = floorSecond(to); s >= stop && count < limit; --s) {
        std::vector<LogLine> lines;
        second(s, lines);
        lines.erase(std::remove_if(lines.begin(), lines.end(), [&](const LogLine &l) { return l.at > to || l.at < notBefore; }), lines.end());
        count += lines.size();
        if (!lines.empty())
            seconds.push_back(std::move(lines));
    }
    std::vector<LogLine> out;
    out.reserve(count);
    for (auto it = seconds.rbegin(); it != seconds.rend(); ++it)
        for (auto &l : *it)
            out.push_back(std::move(l));
    if (out.size() > limit)
        out.erase(out.begin(), out.end() - static_cast<long>(limit));
    return out;
}

LogSource containerLogSource(const Json &pod, const std::string &container, bool previous)
{
    LogSource src;
    const std::string podName = stringAt(pod, "metadata.name");
    const Json *specContainer = nullptr;
    if (const Json *cs = findPath(pod, "spec.containers"); cs && cs->is_array())
        for (const auto &c : *cs)
            if (c.value("name", "") == container)
                specContainer = &c;
    const Json *status = nullptr;
    if (const Json *st = findPath(pod, "status.containerStatuses"); st && st->is_array())
        for (const auto &c : *st)
            if (c.value("name", "") == container)
                status = &c;
    auto refuse = [&](const std::string &why) {
        src.error = "container \"" + container + "\" in pod \"" + podName + "\" " + why;
        return src;
    };
    // The kubelet's validateContainerLogStatus, in its order.
    if (!specContainer)
        return refuse("is not available");
    if (!status) {
        // Scheduled, and the kubelet has not written a status yet: it is creating the containers.
        return refuse("is waiting to start: ContainerCreating");
    }
    const Json *lastTerminated = findPath(*status, "lastState.terminated");
    const bool hasPrevious = (lastTerminated && lastTerminated->is_object() && !lastTerminated->value("containerID", "").empty()) ||
                             status->value("restartCount", 0LL) > 0;
    const Json *running = findPath(*status, "state.running");
    const Json *terminated = findPath(*status, "state.terminated");
    const Json *waiting = findPath(*status, "state.waiting");
    const long long restarts = status->value("restartCount", 0LL);

    long long instance = restarts;
    if (previous) {
        if (!hasPrevious) {
            src.error = "previous terminated container \"" + container + "\" in pod \"" + podName + "\" not found";
            return src;
        }
        instance = std::max(0LL, restarts - 1);
    } else if (running && running->is_object()) {
    } else if (terminated && terminated->is_object()) {
    } else if (hasPrevious) {
        previous = true;  // crash-looping: the last terminated instance is what there is
        instance = std::max(0LL, restarts - 1);
    } else if (waiting && waiting->is_object()) {
        std::string reason = waiting->value("reason", "ContainerCreating");
        if (reason == "ErrImagePull")
            return refuse("is waiting to start: image can't be pulled");
        if (reason == "ImagePullBackOff")
            return refuse("is waiting to start: trying and failing to pull image");
        return refuse("is waiting to start: " + reason);
    } else {
        return refuse("is waiting to start - no logs yet");
    }

    ContainerLogSpec &c = src.spec;
    c.seed = stringAt(pod, "metadata.uid") + "/" + container + "/" + std::to_string(instance);
    c.image = specContainer->value("image", "");
    std::string app;
    if (const Json *labels = findPath(pod, "metadata.labels"); labels && labels->is_object()) {
        app = labels->value("app.kubernetes.io/name", "");
        if (app.empty())
            app = labels->value("app", "");
    }
    c.app = app.empty() ? container : app;
    if (auto colon = c.image.rfind(':'); colon != std::string::npos && c.image.find('/', colon) == std::string::npos)
        c.version = c.image.substr(colon + 1);
    if (const Json *ports = findPath(*specContainer, "ports"); ports && ports->is_array() && !ports->empty())
        c.port = (*ports)[0].value("containerPort", 8080LL);
    for (const char *kind : {"readinessProbe", "livenessProbe"})
        if (const Json *probe = findPath(*specContainer, kind); probe && probe->is_object() && probe->contains("httpGet"))
            c.probes.push_back({stringAt(*probe, "httpGet.path", "/"), intAt(*probe, "periodSeconds", 10), intAt(*probe, "initialDelaySeconds", 0)});
    if (const Json *env = findPath(*specContainer, "env"); env && env->is_array())
        for (const auto &e : *env) {
            std::string name = e.value("name", "");
            if (name.size() > 5 && name.compare(name.size() - 5, 5, "_ADDR") == 0 && e.contains("value") && e["value"].is_string())
                c.dependencies.push_back(e["value"].get<std::string>());
        }
    c.cpuRequestMillis = static_cast<double>(parseCpuMillis(stringAt(*specContainer, "resources.requests.cpu")));

    const long long podStart = nanosOf(stringAt(pod, "status.startTime"));
    if (previous) {
        const Json *t = lastTerminated && lastTerminated->is_object() ? lastTerminated : nullptr;
        long long currentStart = nanosOf(running ? running->value("startedAt", "") : "");
        c.finishedAt = t ? nanosOf(t->value("finishedAt", "")) : ContainerLogSpec::kNever;
        if (c.finishedAt == ContainerLogSpec::kNever)
            c.finishedAt = currentStart != ContainerLogSpec::kNever ? currentStart - kNanos : podStart + 60 * kNanos;
        c.startedAt = t ? nanosOf(t->value("startedAt", "")) : ContainerLogSpec::kNever;
        if (c.startedAt == ContainerLogSpec::kNever || c.startedAt > c.finishedAt)
            c.startedAt = std::max(podStart == ContainerLogSpec::kNever ? c.finishedAt - 60 * kNanos : podStart, c.finishedAt - 600 * kNanos);
        c.exitReason = t ? t->value("reason", "Error") : "Error";
        c.readyAt = c.startedAt + kNanos;
        return src.ok = true, src;
    }
    if (running && running->is_object()) {
        c.startedAt = nanosOf(running->value("startedAt", ""));
    } else {
        c.startedAt = nanosOf(terminated->value("startedAt", ""));
        c.finishedAt = nanosOf(terminated->value("finishedAt", ""));
        c.exitReason = terminated->value("reason", "Completed");
    }
    if (c.startedAt == ContainerLogSpec::kNever)
        c.startedAt = podStart != ContainerLogSpec::kNever ? podStart : 0;
    // Traffic from the moment the pod became ready (kept while it terminates).
    if (const Json *conds = findPath(pod, "status.conditions"); conds && conds->is_array())
        for (const auto &cond : *conds)
            if (cond.value("type", "") == "Ready" && (cond.value("status", "") == "True" || cond.value("reason", "").empty()))
                if (long long at = nanosOf(cond.value("lastTransitionTime", "")); at != ContainerLogSpec::kNever && at >= floorSecond(c.startedAt) * kNanos)
                    c.readyAt = std::max(at, c.startedAt);
    if (c.finishedAt == ContainerLogSpec::kNever)
        if (const Json *d = findPath(pod, "metadata.deletionTimestamp"); d && d->is_string()) {
            long long at = nanosOf(d->get<std::string>());
            if (at != ContainerLogSpec::kNever)
                c.stoppingAt = std::max(c.startedAt, at - intAt(pod, "metadata.deletionGracePeriodSeconds", 30) * kNanos);
        }
    src.ok = true;
    return src;
}

}  // namespace pilothouse::sim
