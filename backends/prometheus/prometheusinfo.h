// Prometheus HTTP API answers as plain values: the envelope (status, data, errorType, error,
// warnings), query results (vector, matrix, scalar, string), series, label names and values, and
// the choice of a range query's step. Pure functions, no I/O; the client parses on its own thread.
// Shapes: ../shared/API-NOTES.md (Prometheus) and prometheus/web/api/v1/api.go.
#pragma once

#include "core/result.h"

#include <QByteArray>
#include <QList>
#include <QMap>
#include <QString>
#include <QStringList>

namespace pilothouse::backends::prometheus {

// A series' identity: label name -> value, `__name__` included when the answer carries it.
using Labels = QMap<QString, QString>;

// One point. Prometheus sends the value as a string: "NaN", "+Inf" and "-Inf" come through as
// NaN and ±infinity (compare with std::isnan / std::isinf, not ==).
struct Sample {
    qint64 timeMs = 0;  // ms since the epoch (Prometheus sends float seconds with ms precision)
    double value = 0;
};

struct Series {
    Labels labels;
    QList<Sample> samples;  // one for a vector, oldest first for a matrix
    QString metricName() const { return labels.value(QStringLiteral("__name__")); }
};

enum class ResultType { Vector, Matrix, Scalar, String };
QString resultTypeName(ResultType type);

// What an answer says besides its data. Warnings come with a successful answer; those from
// storage (a remote read or a store that failed, Thanos' partial response) mean some data is
// missing: `partial`. PromQL's own annotations ("PromQL info: …", "PromQL warning: …", newer
// servers) are kept but do not make the data partial.
struct AnswerNotes {
    QStringList warnings;
    QStringList infos;  // `infos` (Prometheus 2.52 and later)
    bool partial = false;
};

// What a panel shows for an answer: never "healthy" for an answer without data.
enum class DataState { NoData, Partial, Complete };

// GET/POST /api/v1/query and /api/v1/query_range.
struct QueryResult {
    ResultType type = ResultType::Vector;
    QList<Series> series;     // vector and matrix
    Sample scalar;            // scalar; the evaluation time and value
    QString stringValue;      // string; the evaluation time is in `scalar.timeMs`
    AnswerNotes notes;
    // Vector or matrix series whose samples Pilothouse cannot read (native histograms).
    int unsupportedSeries = 0;

    // No series, or only series without a sample: "no data", not an all-clear.
    bool isEmpty() const;
    DataState state() const;
    qsizetype sampleCount() const;
};

// /api/v1/series: the label sets of the matching series.
struct SeriesList {
    QList<Labels> series;
    AnswerNotes notes;
    DataState state() const;
};

// /api/v1/labels and /api/v1/label/<name>/values: names or values, as sent (sorted).
struct NameList {
    QStringList names;
    AnswerNotes notes;
    DataState state() const;
};

// The answer to a query, a series, labels or label values request, with the HTTP status it
// came with: a failure carries the envelope's errorType verbatim in ApiError::reason
// ("bad_data", "execution", "timeout", "canceled", "internal", "unavailable", "not_found"), the
// HTTP status and the server's error text as the message. A 4xx/5xx without an envelope (a proxy,
// an authentication front) is named by its status. Bodies with http::kBodyPadding behind them
// are parsed where they are (simdjson), never through a QJsonDocument.
Result<QueryResult> parseQueryResponse(int httpStatus, const QByteArray &body);
Result<SeriesList> parseSeriesResponse(int httpStatus, const QByteArray &body);
Result<NameList> parseNamesResponse(int httpStatus, const QByteArray &body);

// The ApiError for an error envelope: kind from errorType (bad_data/execution: Invalid; timeout:
// Timeout; canceled/internal/unavailable: ServerError; not_found: NotFound), else from the status.
ApiError envelopeError(int httpStatus, const QString &errorType, const QString &message);
// The ApiError for an HTTP error answer that is not an envelope: the status and a line of the body.
ApiError httpStatusError(int httpStatus, const QByteArray &body);

// A sample value as Prometheus writes it ("1", "0.25", "NaN", "+Inf", "-Inf", "1e+06"),
// independent of the C locale; nullopt-like: false when it is no number.
bool parseSampleValue(const char *text, qsizetype length, double *out);

// ---- The step of a range query --------------------------------------------------------------

// Prometheus refuses a range query with more than this many points per series ((end-start)/step).
inline constexpr qint64 kMaxPointsPerSeries = 11000;

struct QueryRange {
    qint64 startMs = 0;
    qint64 endMs = 0;
    qint64 stepMs = 0;
    // Points a series has at most over the range: (end - start) / step + 1.
    qint64 points() const { return stepMs > 0 ? (endMs - startMs) / stepMs + 1 : 0; }
};

// The nice steps: 1s, 2s, 5s, 10s, 15s, 30s, 1m, 2m, 5m, 10m, 15m, 30m, 1h, 2h, 3h, 6h, 12h, 1d;
// above a day, whole days.
QList<qint64> niceStepsMs();

// The step for [startMs, endMs] drawn `widthPx` wide: about one point every `pixelsPerPoint`
// pixels, never under `minStepMs` (the scrape interval: a finer step only repeats samples),
// and coarse enough that a series keeps under 11,000 points; rounded up to a nice step.
qint64 chooseStepMs(qint64 startMs, qint64 endMs, int widthPx, qint64 minStepMs = 0, int pixelsPerPoint = 3);

// The range to ask for: the step chosen as above, start and end moved down to multiples of the
// step so that a refresh a little later asks for the same points (charts do not shimmer), and
// the step raised once more if the alignment took the range past the limit.
QueryRange planRange(qint64 startMs, qint64 endMs, int widthPx, qint64 minStepMs = 0, int pixelsPerPoint = 3);

}  // namespace pilothouse::backends::prometheus
