// The actions of the `kubectl argo rollouts` plugin (promote, promote --full, abort, retry, undo,
// restart, set image) and `kubectl rollout undo` for Deployments, as actions::Action values for the
// action facade: the exact patch the plugin sends plus a resourceVersion precondition, a
// confirmation text that says what will change, and why an action does not apply when it does not.
// Merge patches carry metadata.resourceVersion; template changes (undo, set image) test the
// template values the operator saw instead, since the controllers rewrite status all the time.
#pragma once

#include "actions/actionfacade.h"
#include "kube/api/resourceref.h"
#include "rollouts/rolloutinfo.h"

#include <QDateTime>

namespace pilothouse::backends::rollouts {

kube::ResourceRef rolloutsResource();      // argoproj.io/v1alpha1 rollouts
kube::ResourceRef analysisRunsResource();  // argoproj.io/v1alpha1 analysisruns
kube::ResourceRef replicaSetsResource();   // apps/v1 replicasets

struct RolloutAction {
    actions::Action action;
    // Empty when the action applies; otherwise why not, for a disabled button's tooltip.
    QString notApplicable;
    bool applies() const { return notApplicable.isEmpty(); }
};

class RolloutActions {
public:
    // Resumes a paused rollout: spec.paused=false when manually paused, the pause conditions
    // cleared when a step or blue-green pause holds it, or (canary, no pause) the current step skipped.
    static RolloutAction promote(const RolloutInfo &info);
    // status.promoteFull: skips the remaining steps, pauses and analysis.
    static RolloutAction promoteFull(const RolloutInfo &info);
    static RolloutAction abort(const RolloutInfo &info);
    static RolloutAction retry(const RolloutInfo &info);
    // spec.template back to a revision's ReplicaSet template (0: the previous revision).
    static RolloutAction undo(const RolloutInfo &info, int toRevision = 0);
    static RolloutAction restart(const RolloutInfo &info, const QDateTime &at);
    // `container` "*" sets every container, as the plugin does.
    static RolloutAction setImage(const RolloutInfo &info, const QString &container, const QString &image);

    // `kubectl rollout undo deployment/NAME [--to-revision=N]`.
    static RolloutAction undoDeployment(const DeploymentHistory &history, int toRevision = 0);
    static RolloutAction restartDeployment(const DeploymentHistory &history, const QDateTime &at);

    // The revision `undo` goes to (the previous one for 0), or null.
    static const RevisionInfo *undoTarget(const QList<RevisionInfo> &revisions, int toRevision);
    // The plugin's equalIgnoreHash (apiequality.Semantic.DeepDerivative): every field set in
    // `templ` has the same value in `other`, the hash label aside.
    static bool templateMatches(const QJsonObject &templ, const QJsonObject &other, const QString &hashLabel);
};

}  // namespace pilothouse::backends::rollouts
