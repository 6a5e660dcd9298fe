// Small readers and writers of object fields that every controller needs (metadata, conditions,
// owner references), written once for all of them.
#pragma once

#include "kube/objectstore.h"

#include <string>
#include <vector>

namespace pilothouse::sim {

// The registered type of group/plural (throws when unknown: a programming error).
const ResourceType &rtype(const char *group, const char *plural);

// metadata.deletionTimestamp is set: the object is being deleted.
bool isTerminating(const Json &o);
// The status.conditions entry of `condType` has `value` (false when there is no such condition).
bool conditionIs(const Json &o, const char *condType, const char *value = "True");
// The pod's Ready condition is True (whether or not it is being deleted).
bool isPodReady(const Json &pod);

// Annotation and label values by key (keys have dots, which findPath would split); empty when absent.
std::string annotationOf(const Json &o, const char *key);
std::string labelOf(const Json &o, const char *key);

// The owner reference with controller: true, or null.
const Json *controllerRef(const Json &o);
// The controller reference an owner writes into the objects it makes.
Json controllerOwnerRef(const ResourceType &t, const StoredObject &owner);
// The objects of type `t` whose controller reference is `owner`.
std::vector<ObjPtr> ownedBy(const ObjectStore &store, const StoredObject &owner, const ResourceType &t);

// An IntOrString against a total: "25%" scales it (rounded up or down), an integer is itself.
long long intOrPercent(const Json *v, long long total, bool roundUp, long long fallback);

// Sets a status condition, keeping its transition time when the status did not change
// (lastUpdateTime too, for the Deployment-style conditions that carry one).
void setStatusCondition(Json &status, const std::string &condType, const std::string &value, const std::string &reason,
                        const std::string &message, bool withUpdateTime);
// Conditions without a reason carry neither reason nor message, as the kubelet writes them.
void dropEmptyReasons(Json &status);

// The pod-template-hash of a template, as the Deployment controller names its ReplicaSets.
std::string podTemplateHash(const Json &podTemplate, long long collisionCount = 0);

}  // namespace pilothouse::sim
