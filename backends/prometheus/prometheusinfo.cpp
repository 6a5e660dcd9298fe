// Prometheus API answers parsed with simdjson's DOM (a range query's answer can be megabytes:
// no QJsonDocument), and the step of range queries.
#include "prometheus/prometheusinfo.h"

#include "core/errors.h"
#include "http/httpengine.h"

#include <simdjson.h>

#include <QRegularExpression>

#include <charconv>
#include <cmath>
#include <limits>
#include <optional>
#include <string_view>

namespace pilothouse::backends::prometheus {

namespace dom = simdjson::dom;

static_assert(http::kBodyPadding >= static_cast<qsizetype>(simdjson::SIMDJSON_PADDING), "answers are parsed in place");

namespace {

QString str(std::string_view v) { return QString::fromUtf8(v.data(), static_cast<qsizetype>(v.size())); }

bool isSuccess(int httpStatus) { return httpStatus == 0 || (httpStatus >= 200 && httpStatus < 300); }

// A warning from PromQL's annotations tells about the query, not about missing data.
bool isAnnotation(const QString &warning)
{
    return warning.startsWith(QLatin1String("PromQL info:")) || warning.startsWith(QLatin1String("PromQL warning:"));
}

QStringList stringsOf(dom::element e)
{
    QStringList out;
    dom::array a;
    if (e.get_array().get(a))
        return out;
    for (dom::element item : a) {
        std::string_view s;
        if (!item.get_string().get(s))
            out.append(str(s));
    }
    return out;
}

AnswerNotes notesOf(dom::object root)
{
    AnswerNotes n;
    dom::element e;
    if (!root["warnings"].get(e))
        n.warnings = stringsOf(e);
    if (!root["infos"].get(e))
        n.infos = stringsOf(e);
    for (const QString &w : std::as_const(n.warnings))
        if (!isAnnotation(w))
            n.partial = true;
    return n;
}

std::optional<Labels> labelsOf(dom::element e)
{
    dom::object o;
    if (e.get_object().get(o))
        return std::nullopt;
    Labels labels;
    for (dom::key_value_pair kv : o) {
        std::string_view v;
        if (kv.value.get_string().get(v))
            return std::nullopt;
        labels.insert(str(kv.key), str(v));
    }
    return labels;
}

// [ <unix seconds>, "<value>" ]
bool timeOf(dom::element e, qint64 *ms)
{
    double seconds = 0;
    if (e.get_double().get(seconds) || !std::isfinite(seconds))
        return false;
    *ms = std::llround(seconds * 1000.0);
    return true;
}

bool sampleOf(dom::element e, Sample *out)
{
    dom::array pair;
    if (e.get_array().get(pair))
        return false;
    // Walked once (at(i) walks from the start each time): 220,000 samples per big answer.
    auto it = pair.begin();
    const auto end = pair.end();
    if (it == end || !timeOf(*it, &out->timeMs) || ++it == end)
        return false;
    std::string_view v;
    if ((*it).get_string().get(v) || ++it != end)
        return false;
    return parseSampleValue(v.data(), static_cast<qsizetype>(v.size()), &out->value);
}

// Bytes of JSON a parser kept between answers may be sized for (a dashboard's range queries fit).
constexpr size_t kKeptParserCapacity = 16 * 1024 * 1024;

// Parses the envelope of any answer and hands its `data` to `fill`, which returns an error
// message when the data is not of the expected shape.
template <class T, class Fill>
Result<T> parseEnvelope(int httpStatus, const QByteArray &body, const char *what, Fill fill)
{
    // One parser per thread, reused: a fresh one pays for its buffers (page faults over several
    // times the body) at every answer, which is most of the time of a big range query's parse.
    // A parser grown past a big answer is let go, so that one odd answer does not stay resident.
    thread_local dom::parser parser;
    struct Shrink {
        ~Shrink()
        {
            if (parser.capacity() > kKeptParserCapacity)
                parser = dom::parser();
        }
    } shrink;
    dom::element doc;
    // The engine leaves padding behind a body whose length was announced: parse it in place.
    const bool padded = body.capacity() - body.size() >= static_cast<qsizetype>(simdjson::SIMDJSON_PADDING);
    dom::object root;
    if (parser.parse(body.constData(), static_cast<size_t>(body.size()), !padded).get(doc) || doc.get_object().get(root)) {
        if (!isSuccess(httpStatus))
            return Result<T>::failure(httpStatusError(httpStatus, body));
        return Result<T>::failure(malformedError(QStringLiteral("the %1 answer is not a Prometheus API answer (no JSON object)").arg(QLatin1String(what))));
    }
    std::string_view status;
    if (root["status"].get_string().get(status)) {
        if (!isSuccess(httpStatus))
            return Result<T>::failure(httpStatusError(httpStatus, body));
        return Result<T>::failure(malformedError(QStringLiteral("the %1 answer has no status").arg(QLatin1String(what))));
    }
    if (status == "error") {
        std::string_view type, error;
        if (root["errorType"].get_string().get(type))
            type = {};
        if (root["error"].get_string().get(error))
            error = {};
        return Result<T>::failure(envelopeError(httpStatus, str(type), str(error)));
    }
    if (status != "success" || !isSuccess(httpStatus)) {
        if (!isSuccess(httpStatus))
            return Result<T>::failure(httpStatusError(httpStatus, body));
        return Result<T>::failure(malformedError(QStringLiteral("the %1 answer has status \"%2\"").arg(QLatin1String(what), str(status))));
    }
    dom::element data;
    if (root["data"].get(data))
        return Result<T>::failure(malformedError(QStringLiteral("the %1 answer has no data").arg(QLatin1String(what))));
    T out;
    if (const QString problem = fill(data, out); !problem.isEmpty())
        return Result<T>::failure(malformedError(QStringLiteral("the %1 answer is malformed: %2").arg(QLatin1String(what), problem)));
    out.notes = notesOf(root);
    return out;
}

QString fillSeries(dom::array result, bool matrix, QueryResult &out)
{
    out.series.reserve(static_cast<qsizetype>(result.size()));
    for (dom::element item : result) {
        dom::object o;
        if (item.get_object().get(o))
            return QStringLiteral("a result entry is not an object");
        Series s;
        dom::element metric;
        if (o["metric"].get(metric))
            return QStringLiteral("a series has no metric labels");
        const auto labels = labelsOf(metric);
        if (!labels)
            return QStringLiteral("a series' metric is not an object of label values");
        s.labels = *labels;
        if (matrix) {
            dom::array values;
            if (o["values"].get_array().get(values)) {
                if (o["histograms"].error() == simdjson::SUCCESS) {
                    ++out.unsupportedSeries;
                    continue;
                }
                return QStringLiteral("a series has no values");
            }
            s.samples.resize(static_cast<qsizetype>(values.size()));
            qsizetype i = 0;
            for (dom::element v : values)
                if (!sampleOf(v, &s.samples[i++]))
                    return QStringLiteral("a sample of %1 is not [time, \"value\"]").arg(s.metricName());
        } else {
            dom::element value;
            if (o["value"].get(value)) {
                if (o["histogram"].error() == simdjson::SUCCESS) {
                    ++out.unsupportedSeries;
                    continue;
                }
                return QStringLiteral("a series has no value");
            }
            Sample sample;
            if (!sampleOf(value, &sample))
                return QStringLiteral("the sample of %1 is not [time, \"value\"]").arg(s.metricName());
            s.samples.append(sample);
        }
        out.series.append(std::move(s));
    }
    return {};
}

}  // namespace

QString resultTypeName(ResultType type)
{
    switch (type) {
    case ResultType::Vector: return QStringLiteral("vector");
    case ResultType::Matrix: return QStringLiteral("matrix");
    case ResultType::Scalar: return QStringLiteral("scalar");
    case ResultType::String: return QStringLiteral("string");
    }
    return QStringLiteral("unknown");
}

bool QueryResult::isEmpty() const
{
    if (type == ResultType::Scalar || type == ResultType::String)
        return false;
    for (const Series &s : series)
        if (!s.samples.isEmpty())
            return false;
    return true;
}

DataState QueryResult::state() const
{
    return isEmpty() ? DataState::NoData : notes.partial ? DataState::Partial : DataState::Complete;
}

qsizetype QueryResult::sampleCount() const
{
    if (type == ResultType::Scalar || type == ResultType::String)
        return 1;
    qsizetype n = 0;
    for (const Series &s : series)
        n += s.samples.size();
    return n;
}

DataState SeriesList::state() const
{
    return series.isEmpty() ? DataState::NoData : notes.partial ? DataState::Partial : DataState::Complete;
}

DataState NameList::state() const
{
    return names.isEmpty() ? DataState::NoData : notes.partial ? DataState::Partial : DataState::Complete;
}

bool parseSampleValue(const char *text, qsizetype length, double *out)
{
    std::string_view v(text, static_cast<size_t>(length));
    // from_chars reads "inf" and "nan" in any case but no leading '+' (Go writes "+Inf").
    if (!v.empty() && v.front() == '+')
        v.remove_prefix(1);
    if (v.empty())
        return false;
    double d = 0;
    const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), d);
    if (ec != std::errc() || end != v.data() + v.size())
        return false;
    *out = d;
    return true;
}

ApiError envelopeError(int httpStatus, const QString &errorType, const QString &message)
{
    ApiError e;
    e.httpStatus = httpStatus;
    e.reason = errorType;
    if (errorType == QLatin1String("bad_data") || errorType == QLatin1String("execution"))
        e.kind = ErrorKind::Invalid;
    else if (errorType == QLatin1String("timeout"))
        e.kind = ErrorKind::Timeout;
    else if (errorType == QLatin1String("not_found"))
        e.kind = ErrorKind::NotFound;
    else if (errorType == QLatin1String("canceled") || errorType == QLatin1String("internal") || errorType == QLatin1String("unavailable"))
        e.kind = ErrorKind::ServerError;
    else
        e.kind = httpStatusError(httpStatus, {}).kind;
    QString text = message.simplified();
    if (text.size() > 500)
        text = text.left(500) + QStringLiteral("…");
    e.message = (errorType.isEmpty() ? QString() : errorType + QStringLiteral(": "))
        + (text.isEmpty() ? QStringLiteral("(no message)") : text)
        + (httpStatus > 0 ? QStringLiteral(" (HTTP %1)").arg(httpStatus) : QString());
    return e;
}

ApiError httpStatusError(int httpStatus, const QByteArray &body)
{
    ApiError e;
    e.httpStatus = httpStatus;
    switch (httpStatus) {
    case 400: case 422: e.kind = ErrorKind::Invalid; break;
    case 401: e.kind = ErrorKind::Unauthorized; break;
    case 403: e.kind = ErrorKind::Forbidden; break;
    case 404: case 405: e.kind = ErrorKind::NotFound; break;
    case 429: e.kind = ErrorKind::TooManyRequests; break;
    case 503: case 504: e.kind = ErrorKind::ServerError; break;
    default: e.kind = httpStatus >= 500 ? ErrorKind::ServerError : httpStatus >= 400 ? ErrorKind::Invalid : ErrorKind::Malformed;
    }
    // Proxies and authentication fronts answer in HTML or plain text: one line without markup.
    QString text = QString::fromUtf8(body.left(4096));
    static const QRegularExpression tags(QStringLiteral("<[^>]*>"));
    text.replace(tags, QStringLiteral(" "));
    text = text.simplified().left(300);
    e.message = QStringLiteral("HTTP %1").arg(httpStatus) + (text.isEmpty() ? QString() : QStringLiteral(": ") + text);
    return e;
}

Result<QueryResult> parseQueryResponse(int httpStatus, const QByteArray &body)
{
    return parseEnvelope<QueryResult>(httpStatus, body, "query", [](dom::element data, QueryResult &out) -> QString {
        std::string_view type;
        if (data["resultType"].get_string().get(type))
            return QStringLiteral("no resultType");
        dom::element result;
        if (data["result"].get(result))
            return QStringLiteral("no result");
        if (type == "vector" || type == "matrix") {
            out.type = type == "vector" ? ResultType::Vector : ResultType::Matrix;
            dom::array a;
            if (result.get_array().get(a))
                return QStringLiteral("the result of a %1 is not a list").arg(str(type));
            return fillSeries(a, out.type == ResultType::Matrix, out);
        }
        if (type == "scalar") {
            out.type = ResultType::Scalar;
            return sampleOf(result, &out.scalar) ? QString() : QStringLiteral("the scalar is not [time, \"value\"]");
        }
        if (type == "string") {
            out.type = ResultType::String;
            dom::array pair;
            std::string_view s;
            if (result.get_array().get(pair) || pair.size() != 2 || !timeOf(pair.at(0).value_unsafe(), &out.scalar.timeMs) || pair.at(1).get_string().get(s))
                return QStringLiteral("the string is not [time, \"value\"]");
            out.stringValue = str(s);
            return {};
        }
        return QStringLiteral("unknown resultType \"%1\"").arg(str(type));
    });
}

Result<SeriesList> parseSeriesResponse(int httpStatus, const QByteArray &body)
{
    return parseEnvelope<SeriesList>(httpStatus, body, "series", [](dom::element data, SeriesList &out) -> QString {
        dom::array a;
        if (data.get_array().get(a))
            return QStringLiteral("data is not a list");
        out.series.reserve(static_cast<qsizetype>(a.size()));
        for (dom::element e : a) {
            auto labels = labelsOf(e);
            if (!labels)
                return QStringLiteral("a series is not an object of label values");
            out.series.append(std::move(*labels));
        }
        return {};
    });
}

Result<NameList> parseNamesResponse(int httpStatus, const QByteArray &body)
{
    return parseEnvelope<NameList>(httpStatus, body, "labels", [](dom::element data, NameList &out) -> QString {
        // Prometheus sends null, not [], for no values in some versions.
        if (data.is_null())
            return {};
        dom::array a;
        if (data.get_array().get(a))
            return QStringLiteral("data is not a list");
        out.names.reserve(static_cast<qsizetype>(a.size()));
        for (dom::element e : a) {
            std::string_view s;
            if (e.get_string().get(s))
                return QStringLiteral("a name is not a string");
            out.names.append(str(s));
        }
        return {};
    });
}

// ---- Step ------------------------------------------------------------------------------------

QList<qint64> niceStepsMs()
{
    constexpr qint64 s = 1000, m = 60 * s, h = 60 * m, d = 24 * h;
    return {1 * s, 2 * s, 5 * s, 10 * s, 15 * s, 30 * s, 1 * m, 2 * m, 5 * m, 10 * m, 15 * m, 30 * m, 1 * h, 2 * h, 3 * h, 6 * h, 12 * h, 1 * d};
}

namespace {

qint64 niceAtLeast(qint64 ms)
{
    static const QList<qint64> steps = niceStepsMs();
    for (qint64 step : steps)
        if (step >= ms)
            return step;
    constexpr qint64 day = 24 * 3600 * 1000LL;
    return (ms + day - 1) / day * day;
}

// The smallest step with (range / step) + 1 <= 11,000 points (Prometheus checks range/step <= 11,000).
qint64 limitStep(qint64 rangeMs) { return rangeMs / kMaxPointsPerSeries + 1; }

}  // namespace

qint64 chooseStepMs(qint64 startMs, qint64 endMs, int widthPx, qint64 minStepMs, int pixelsPerPoint)
{
    const qint64 range = std::max<qint64>(0, endMs - startMs);
    const qint64 width = std::max(1, widthPx);
    const qint64 perPoint = std::max(1, pixelsPerPoint);
    // One point every `perPoint` pixels: range / (width / perPoint), rounded up.
    const qint64 forWidth = (range * perPoint + width - 1) / width;
    return niceAtLeast(std::max({forWidth, limitStep(range), minStepMs, qint64(1)}));
}

QueryRange planRange(qint64 startMs, qint64 endMs, int widthPx, qint64 minStepMs, int pixelsPerPoint)
{
    if (endMs < startMs)
        std::swap(startMs, endMs);
    QueryRange r;
    r.stepMs = chooseStepMs(startMs, endMs, widthPx, minStepMs, pixelsPerPoint);
    for (;;) {
        // Floor division that also holds for times before the epoch.
        auto floorTo = [](qint64 t, qint64 step) { return t >= 0 ? t / step * step : -((-t + step - 1) / step) * step; };
        r.startMs = floorTo(startMs, r.stepMs);
        r.endMs = floorTo(endMs, r.stepMs);
        if (r.points() <= kMaxPointsPerSeries)
            return r;
        r.stepMs = niceAtLeast(r.stepMs + 1);
    }
}

}  // namespace pilothouse::backends::prometheus
