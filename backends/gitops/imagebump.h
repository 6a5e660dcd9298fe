// Bumping a container image's tag in a manifest's text: yaml-cpp finds the image scalar, and only
// that scalar's characters change, so comments, order, quoting and indentation stay as written.
#pragma once

#include "core/result.h"

#include <QList>
#include <QString>

namespace pilothouse::backends::gitops {

// "registry:5000/shop/storefront:169@sha256:..." -> repository, tag, digest.
struct ImageRef {
    QString repository;  // "registry:5000/shop/storefront"
    QString tag;         // "169"; empty when the reference has none
    QString digest;      // "sha256:..."; empty when not pinned
    static ImageRef parse(const QString &image);
    QString toString() const;
};

// One container (or init container) of a workload in a manifest file.
struct ContainerImage {
    int document = 0;   // 0-based index of the YAML document in the file
    QString kind;       // the document's kind ("Rollout", "Deployment"), empty when it has none
    QString workload;   // the document's metadata.name
    QString container;  // the container's name
    QString image;      // as written
    int line = 0;       // 1-based line of the image scalar
};

// Which image to bump: by container name, by image repository, or both (both must match then).
struct ImageSelector {
    QString container;
    QString repository;
    bool isEmpty() const { return container.isEmpty() && repository.isEmpty(); }
    QString describe() const;  // "container 'storefront'", "image registry.pilothouse.dev/shop/storefront"
};

struct ImageChange {
    ContainerImage where;
    QString before;  // the image as written before
    QString after;   // the image written instead
};

struct ImageBump {
    QString text;               // the whole file after the change
    QList<ImageChange> changes;  // every image the selector matched, in file order
};

// Every container image in every document of a manifest (Pod templates, Pods, CronJobs: any
// `containers`, `initContainers` or `ephemeralContainers` list). Malformed when the YAML does not parse.
Result<QList<ContainerImage>> findContainerImages(const QString &text);

// `text` with the tag of every image the selector matches set to `newTag` (a digest pin is
// dropped, since it would keep the old image). Errors: Malformed (YAML does not parse), NotFound
// (no image matches; the message lists the containers that exist), Invalid (not a valid tag, or
// the scalar is written in a way that cannot be edited in place, e.g. with escapes or over lines).
// `fileName` only names the file in messages.
Result<ImageBump> bumpImageTag(const QString &text, const ImageSelector &selector, const QString &newTag,
                               const QString &fileName = QString());

// True for a valid image tag: [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}.
bool isValidTag(const QString &tag);

}  // namespace pilothouse::backends::gitops
