// Plugs the telemetry into the API server and the controller manager: pods/log answered by the
// simulated kubelet from generated lines (podlogs.h), metrics.k8s.io as metrics-server answers it
// from the load model, POST /sim/v1/load and /sim/v1/error-rate, and the pod rate sampler.
#pragma once

#include "kube/apiserver.h"
#include "kube/controllermanager.h"
#include "telemetry/loadmodel.h"

namespace pilothouse::sim {

// Before server.start() and manager.start(); every argument outlives both.
void installTelemetry(ApiServer &server, ControllerManager &manager, Cluster &cluster, LoadModel &load);

}  // namespace pilothouse::sim
