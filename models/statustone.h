// The tone of a status word (Running, Degraded, OutOfSync, FAILURE, WARN…): one mapping for every
// view, below the widgets so that models can say what a status means without knowing a colour.
#pragma once

#include <QString>
#include <QStringView>

namespace pilothouse::models {

// What a status means to an operator, in order of attention it needs. The widgets layer
// (widgets/style/statuspalette.h) turns a tone into a colour and an icon per theme.
enum class StatusTone {
    Good,      // running, healthy, synced, succeeded
    Progress,  // on its way: pending, creating, progressing, building, connecting
    Paused,    // stopped on purpose or waiting for a person: paused, suspended, waiting for promotion
    Warning,   // needs a look but works: out of sync, missing, unstable, cordoned
    Bad,       // broken: failed, crash loop, degraded, aborted, error
    Neutral,   // finished or inactive without judgement: terminating, not built, disabled, info
    Unknown,   // the tool does not know, or a word this table has never seen
};

// A data role that item models answer with int(StatusTone) for a cell whose tone is not the
// plain word's (a Running pod whose containers are not all ready is still Progress). Far from
// Qt::UserRole so that it never collides with a model's own Role enum.
inline constexpr int StatusToneRole = 0x0100 + 0x5400;

// The tone of one status word as Kubernetes, Argo Rollouts, Argo CD, Jenkins, the connection
// indicator or a log level spells it. Exact spelling first ("Aborted" is a failed rollout,
// "ABORTED" a Jenkins run someone stopped), then a few case-insensitive forms; anything else is
// Unknown, never a guess.
StatusTone statusTone(QStringView word);

// "good", "progress", "paused", "warning", "bad", "neutral", "unknown": for style sheet
// properties and test names.
QString statusToneName(StatusTone tone);

}  // namespace pilothouse::models
